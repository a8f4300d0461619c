package dev.baton.cli;

import picocli.CommandLine.Option;

/** {@code --limit N} or {@code --all}, for a list read page after page, newest first. */
public final class PageOptions {
    private static final int DEFAULT = 50;

    @Option(names = "--limit", paramLabel = "N", converter = Values.Count.class, description = "At most N, the newest (default 50).")
    Integer limit;

    @Option(names = "--all", description = "Every one, page after page (not with --limit).")
    boolean all;

    /** Whether every match is wanted; {@code --all} beside {@code --limit} is a usage error. */
    public boolean all() {
        if (all && limit != null) {
            throw new CliException(ExitCodes.USAGE, "--all reads every match and --limit N only the newest N: give one of them");
        }
        return all;
    }

    /** How many are wanted ({@link Integer#MAX_VALUE} with {@code --all}). */
    public int limit() {
        return all() ? Integer.MAX_VALUE : limit == null ? DEFAULT : limit;
    }
}
