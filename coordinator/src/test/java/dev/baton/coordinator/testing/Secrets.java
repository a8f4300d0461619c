package dev.baton.coordinator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Every secret the tests set or are handed (environment tokens, API-made tokens), written to
 * {@link #FILE} as the suite runs, so that {@code LogsHoldNoSecretIT} can look for each of them in
 * everything the suite logged once it is over.
 */
public final class Secrets {
    public static final Path FILE = Path.of("target", "test-secrets.txt");

    private Secrets() {
    }

    public static synchronized void seen(String secret) {
        if (secret == null || secret.isBlank()) {
            return;
        }
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, secret + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the suite recorded; empty when no test ran in this build. */
    public static List<String> recorded() throws IOException {
        return Files.exists(FILE) ? Files.readAllLines(FILE).stream().filter(s -> !s.isBlank()).distinct().toList()
                : List.of();
    }
}
