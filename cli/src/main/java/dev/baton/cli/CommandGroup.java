package dev.baton.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that only groups others ({@code baton jobs}): alone, it shows its usage and exits 2. */
public abstract class CommandGroup implements Callable<Integer> {
    @Spec
    CommandSpec groupSpec;

    @Override
    public Integer call() {
        groupSpec.commandLine().usage(groupSpec.commandLine().getErr());
        return ExitCodes.USAGE;
    }
}
