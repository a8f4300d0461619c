package dev.baton.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TableTest {
    @Test
    void columnsAlignEvenWithColour() {
        Colour colour = new Colour(true);
        Table t = new Table("ID", "STATUS", "NOTE").row("1", colour.status("failed"), "x").row("12345", "queued", "y");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        t.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), new Colour(false));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines[0]).isEqualTo("ID     STATUS  NOTE");
        assertThat(lines[1].replaceAll("\u001b\\[[0-9;]*m", "")).isEqualTo("1      failed  x");
        assertThat(lines[2]).isEqualTo("12345  queued  y");
    }

    @Test
    void noColourMeansNoEscapes() {
        assertThat(new Colour(false).status("failed")).isEqualTo("failed");
        assertThat(new Colour(true).status("failed")).contains("\u001b[31m");
    }
}
