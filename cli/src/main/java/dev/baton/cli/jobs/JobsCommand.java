package dev.baton.cli.jobs;

import dev.baton.cli.CommandGroup;
import picocli.CommandLine.Command;

@Command(name = "jobs", description = "List, inspect, enqueue, wait for, cancel, retry and edit jobs.",
        subcommands = {ListJobs.class, ShowJob.class, JobLogs.class, EnqueueJob.class, WaitJob.class,
                CancelJobs.class, RetryJobs.class, EditJobs.class})
public final class JobsCommand extends CommandGroup {
}
