package dev.baton.cli;

import dev.baton.cli.admin.AuditCommand;
import dev.baton.cli.admin.HealthCommand;
import dev.baton.cli.admin.QueuesCommand;
import dev.baton.cli.admin.SchedulesCommand;
import dev.baton.cli.admin.TokensCommand;
import dev.baton.cli.admin.WorkersCommand;
import dev.baton.cli.config.Target;
import dev.baton.cli.http.ApiClient;
import dev.baton.cli.jobs.JobsCommand;
import dev.baton.cli.output.Colour;
import dev.baton.cli.output.Format;
import dev.baton.cli.output.Printer;
import dev.baton.cli.output.Terminal;
import dev.baton.cli.output.Times;
import dev.baton.common.BatonVersion;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton}: the operator's command line over a coordinator's admin API (docs/protocol.md). */
@Command(name = "baton", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, versionProvider = BatonCli.Version.class,
        description = "Operate a Baton cluster: jobs, queues, schedules, workers, tokens, the audit trail.",
        subcommands = {JobsCommand.class, QueuesCommand.class, SchedulesCommand.class, WorkersCommand.class,
                HealthCommand.class, TokensCommand.class, AuditCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExit codes:%n",
        footer = {"  0 ok, 1 failed (or some items of a bulk failed), 2 usage, 3 conflict (409), 4 not found,",
                "  5 unauthenticated or forbidden, 6 unavailable, 7 refused (400/413/415/422),",
                "  10 job failed, 11 job cancelled, 12 wait timed out (jobs wait), 130 interrupted (Ctrl-C)."})
public final class BatonCli extends CommandGroup {
    @Option(names = "--url", scope = CommandLine.ScopeType.INHERIT, paramLabel = "URL",
            description = "The coordinator (default: BATON_URL, the profile's url, http://127.0.0.1:8080).")
    String url;

    @Option(names = "--token", scope = CommandLine.ScopeType.INHERIT, paramLabel = "TOKEN",
            description = "The bearer token (default: BATON_TOKEN, the profile's token or token-file). Never printed.")
    String token;

    @Option(names = "--profile", scope = CommandLine.ScopeType.INHERIT, paramLabel = "NAME",
            description = "The profile of ~/.config/baton/config to use (default: BATON_PROFILE, then [default]).")
    String profile;

    @Option(names = {"-o", "--output"}, scope = CommandLine.ScopeType.INHERIT, paramLabel = "FORMAT",
            description = "table (default), json or jsonl.")
    Format format = Format.TABLE;

    @Option(names = "--time-format", scope = CommandLine.ScopeType.INHERIT, paramLabel = "STYLE",
            description = "relative (default: 3m ago) or iso.")
    Times.Style timeStyle = Times.Style.RELATIVE;

    @Option(names = "--no-color", scope = CommandLine.ScopeType.INHERIT, description = "No colour even on a terminal.")
    boolean noColor;

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final boolean terminal;
    private ApiClient api;
    private Printer printer;

    BatonCli(PrintStream out, PrintStream err, Map<String, String> env, boolean terminal) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.terminal = terminal;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(args, out, err, System.getenv(), Terminal.stdout()));
    }

    /** Runs one command line; what it prints goes to {@code out} and {@code err}. Returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env, boolean terminal) {
        BatonCli root = new BatonCli(out, err, env, terminal);
        CommandLine cmd = new CommandLine(root);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        // One check for every id, name and value: an empty one is a usage error (hostile review, defect 17).
        cmd.registerConverter(String.class, new Values.Text());
        CommandLine.IParameterExceptionHandler standard = cmd.getParameterExceptionHandler();
        cmd.setParameterExceptionHandler((e, line) -> standard.handleParseException(empty(e), line));
        // --payload @file and --batch @file are read by the commands, as JSON: picocli's own
        // @-file expansion would split the file into arguments (and strip a JSON string's quotes).
        cmd.setExpandAtFiles(false);
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        cmd.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof CliException ce) {
                root.printer().error(ce);
                return ce.exitCode();
            }
            if (e instanceof InterruptedException) {
                err.println("error: interrupted");
                return ExitCodes.INTERRUPTED;
            }
            err.println("error: " + Failures.reason(e));
            return ExitCodes.FAILED;
        });
        return cmd.execute(args);
    }

    /**
     * After ids that converted, picocli calls an empty one "unmatched" (it stops taking ids at the
     * first it cannot convert): say what is wrong with it instead.
     */
    private static CommandLine.ParameterException empty(CommandLine.ParameterException e) {
        if (e instanceof CommandLine.UnmatchedArgumentException u && u.getUnmatched().stream().anyMatch(String::isBlank)) {
            return new CommandLine.ParameterException(e.getCommandLine(), "Invalid value: an id or name " + Values.Text.EMPTY
                    + " (" + String.join(" ", u.getUnmatched().stream().map(a -> "'" + a + "'").toList()) + ")");
        }
        return e;
    }

    /** The client for the coordinator the flags, environment and profile name; made on first use. */
    public ApiClient api() {
        if (api == null) {
            Target target = Target.resolve(url, token, profile, env);
            if (target.token() == null) {
                throw new CliException(ExitCodes.USAGE, "no token: pass --token, set BATON_TOKEN, or put token = … in "
                        + Target.configPath(env));
            }
            api = new ApiClient(target);
        }
        return api;
    }

    /** The client without requiring a token ({@code baton health} needs none). */
    public ApiClient anonymousApi() {
        return api != null ? api : new ApiClient(Target.resolve(url, token, profile, env));
    }

    public Printer printer() {
        if (printer == null) {
            boolean colour = terminal && !noColor && env.get("NO_COLOR") == null && !"dumb".equals(env.get("TERM"));
            printer = new Printer(out, err, format, new Times(timeStyle), new Colour(colour));
        }
        return printer;
    }

    public Map<String, String> env() {
        return env;
    }

    public PrintStream err() {
        return err;
    }

    public boolean terminal() {
        return terminal;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"baton " + BatonVersion.get()};
        }
    }
}
