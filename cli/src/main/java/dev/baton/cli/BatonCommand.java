package dev.baton.cli;

import dev.baton.cli.http.ApiClient;
import dev.baton.cli.output.Printer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A leaf command: reaches the coordinator and the printer through the root's options. */
public abstract class BatonCommand implements Callable<Integer> {
    @Spec
    protected CommandSpec spec;

    protected BatonCli cli() {
        return (BatonCli) spec.root().userObject();
    }

    protected ApiClient api() {
        return cli().api();
    }

    protected Printer print() {
        return cli().printer();
    }

    protected CliException usage(String message) {
        return new CliException(ExitCodes.USAGE, message);
    }
}
