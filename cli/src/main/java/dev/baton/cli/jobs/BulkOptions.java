package dev.baton.cli.jobs;

import dev.baton.cli.Values;
import picocli.CommandLine.Option;

/** How an action on every job matching a filter is sent: confirmed, paced, or only shown. */
public final class BulkOptions {
    @Option(names = "--yes", description = "Act on every job the filter matches (without it, nothing is changed).")
    boolean yes;

    @Option(names = "--dry-run", description = "Only list the jobs the action would be applied to.")
    boolean dryRun;

    @Option(names = "--rps", paramLabel = "N", converter = Values.Rps.class, description = "At most N operations a second (default: as fast as the coordinator answers).")
    Double rps;

    @Option(names = "--max", paramLabel = "N", converter = Values.Count.class, description = "Act on at most N jobs (the newest first; default: all that match).")
    Integer max;
}
