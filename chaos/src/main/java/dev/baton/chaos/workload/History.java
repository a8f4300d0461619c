package dev.baton.chaos.workload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Every operation of the run, in the order they ended; also written to a JSON-lines file as it goes. */
public final class History implements AutoCloseable {
    private final List<Op> ops = new ArrayList<>();
    private final AtomicLong seq = new AtomicLong();
    private final BufferedWriter file;

    public History(Path file) {
        try {
            Files.createDirectories(file.getParent());
            this.file = Files.newBufferedWriter(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Op add(String client, String kind, String jobId, int coordinator, long startMs, long endMs,
                  Op.Outcome outcome, int status, String code, JsonNode data) {
        synchronized (this) {
            Op op = new Op(seq.incrementAndGet(), client, kind, jobId, coordinator, startMs, endMs, outcome, status,
                    code, data);
            ops.add(op);
            try {
                file.write(Json.write(op));
                file.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return op;
        }
    }

    /** The operations a run wrote to {@code file}. */
    public static List<Op> read(Path file) throws IOException {
        List<Op> ops = new ArrayList<>();
        try (var lines = Files.lines(file)) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (!line.isBlank()) {
                    ops.add(Json.mapper().readValue(line, Op.class));
                }
            }
        }
        return ops;
    }

    public synchronized List<Op> ops() {
        return List.copyOf(ops);
    }

    @Override
    public synchronized void close() {
        try {
            file.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
