package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs {@code baton} in this JVM, as a shell would, with its stdout and stderr captured. */
public final class Cli {
    private final Map<String, String> env;

    public Cli(Map<String, String> env) {
        this.env = env;
    }

    /** Against the coordinator on {@code port} with {@code token} from the environment, no profile file. */
    public static Cli against(int port, String token) {
        Map<String, String> env = new HashMap<>();
        env.put("BATON_URL", "http://127.0.0.1:" + port);
        if (token != null) {
            env.put("BATON_TOKEN", token);
        }
        env.put("BATON_CONFIG", "/nonexistent/baton-config");
        return new Cli(env);
    }

    public record Result(int code, String out, String err) {
        public JsonNode json() {
            try {
                return Json.mapper().readTree(out);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + out, e);
            }
        }

        public List<JsonNode> jsonl() {
            List<JsonNode> lines = new ArrayList<>();
            out.lines().filter(l -> !l.isBlank()).forEach(l -> {
                try {
                    lines.add(Json.mapper().readTree(l));
                } catch (IOException e) {
                    throw new UncheckedIOException("not a JSON line: " + l, e);
                }
            });
            return lines;
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    public Result run(String... args) {
        return run(new ByteArrayOutputStream(), args);
    }

    /** As {@link #run(String...)}, writing stdout to {@code out} while it runs (a follow reads it as it grows). */
    public Result run(ByteArrayOutputStream out, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BatonCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env, false);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
