package dev.baton.cli.jobs;

import dev.baton.cli.BatonCommand;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.PageOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "list", aliases = "ls", description = "Jobs matching the filters, newest first.")
final class ListJobs extends BatonCommand {
    @Mixin
    JobFilter filter;

    @Mixin
    PageOptions pages;

    @Override
    public Integer call() {
        JobPages.Result r = JobPages.read(api(), filter, pages.limit(), pages.all());
        print().list(r.jobs(), JobRows.table(r.jobs(), print()));
        if (r.more() && print().human()) {
            print().note("(more jobs match: --limit N or --all)");
        }
        return ExitCodes.OK;
    }
}
