package dev.baton.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Job data that could drive the operator's terminal is shown escaped (hostile review, defect 3). */
class TextTest {
    @Test
    void controlCharactersAreEscapedButColourSequencesKept() {
        assertThat(Text.visible("evil\u001b[2J\u001b]0;pwned\u0007 line1\nline2\r\rOVER\ttab\u009b\u007f"))
                .isEqualTo("evil\\e[2J\\e]0;pwned\\x07 line1\\nline2\\r\\rOVER\\ttab\\x9b\\x7f");
        assertThat(Text.visible("\u001b[31mfailed\u001b[0m")).isEqualTo("\u001b[31mfailed\u001b[0m");
        assertThat(Text.visible("plain ünïcode ✓")).isEqualTo("plain ünïcode ✓");
        assertThat(Text.visible(null)).isNull();
    }

    @Test
    void aTableCellCannotClearTheScreen() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        new Table("TYPE").row("evil\u001b[2J\nx").print(new java.io.PrintStream(bytes, true), new Colour(false));
        assertThat(bytes.toString()).doesNotContain("\u001b[2J").contains("evil\\e[2J\\nx");
    }
}
