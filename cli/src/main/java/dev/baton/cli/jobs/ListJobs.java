package dev.baton.cli.jobs;

import dev.baton.cli.BatonCommand;
import dev.baton.cli.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "list", aliases = "ls", description = "Jobs matching the filters, newest first.")
final class ListJobs extends BatonCommand {
    @Mixin
    JobFilter filter;

    @Option(names = "--limit", paramLabel = "N", description = "At most N jobs (default 50).")
    int limit = 50;

    @Option(names = "--all", description = "Every matching job, page after page.")
    boolean all;

    @Override
    public Integer call() {
        if (limit < 1) {
            throw usage("--limit must be at least 1");
        }
        JobPages.Result r = JobPages.read(api(), filter, limit, all);
        print().list(r.jobs(), JobRows.table(r.jobs(), print()));
        if (r.more() && print().human()) {
            print().note("(more jobs match: --limit N or --all)");
        }
        return ExitCodes.OK;
    }
}
