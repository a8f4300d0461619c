package dev.baton.chaos;

import dev.baton.chaos.faults.FaultKind;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Set;

/**
 * A run's settings, from {@code --name value} pairs: {@code --seed} (default: a random one,
 * printed), {@code --minutes} (of faults and load; default 2), {@code --coordinators} (2),
 * {@code --workers} (worker processes, 3), {@code --faults} (a comma-separated list of fault
 * kinds such as {@code kill-coordinator,restart-postgres}, or {@code all}), {@code --rate} (jobs
 * enqueued per second, 200), {@code --mean-gap-ms} (mean quiet time between one fault's heal and the next fault, 2000; faults last 1–8 s and three in ten have a second one on something else starting before they heal), {@code --dir} (where
 * the run keeps its database, logs and history), {@code --root} (the project, whose built jars it runs).
 */
public record Options(long seed, double minutes, int coordinators, int workers, Set<FaultKind> faults, double rate,
                      long meanGapMs, Path dir, Path root) {

    public static Options parse(String... args) {
        long seed = new SecureRandom().nextLong() & Long.MAX_VALUE;
        double minutes = 2;
        int coordinators = 2;
        int workers = 3;
        Set<FaultKind> faults = EnumSet.allOf(FaultKind.class);
        double rate = 200;
        long meanGapMs = 2000;
        Path dir = null;
        Path root = Path.of("").toAbsolutePath();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            String value = args[++i];
            switch (name) {
                case "--seed" -> seed = Long.parseLong(value);
                case "--minutes" -> minutes = Double.parseDouble(value);
                case "--coordinators" -> coordinators = Integer.parseInt(value);
                case "--workers" -> workers = Integer.parseInt(value);
                case "--faults" -> faults = value.equals("none") ? EnumSet.noneOf(FaultKind.class) : FaultKind.parse(value);
                case "--rate" -> rate = Double.parseDouble(value);
                case "--mean-gap-ms" -> meanGapMs = Long.parseLong(value);
                case "--dir" -> dir = Path.of(value);
                case "--root" -> root = Path.of(value).toAbsolutePath();
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (minutes <= 0 || coordinators < 1 || workers < 1 || rate <= 0 || meanGapMs < 100) {
            throw new IllegalArgumentException("--minutes, --coordinators, --workers, --rate must be positive, "
                    + "--mean-gap-ms at least 100");
        }
        if (dir == null) {
            dir = root.resolve("target/chaos/seed-" + seed);
        }
        return new Options(seed, minutes, coordinators, workers, faults, rate, meanGapMs, dir.toAbsolutePath(), root);
    }

    public long runMs() {
        return (long) (minutes * 60_000);
    }
}
