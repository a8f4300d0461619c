package dev.baton.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.Args;
import dev.baton.cli.BatonCommand;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.http.ApiClient;
import dev.baton.cli.output.Printer;
import dev.baton.cli.output.Table;
import dev.baton.common.Requests;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.baton.cli.CommandGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "tokens", description = "API tokens (admin): list, create, revoke. Environment tokens are not listed.",
        subcommands = {TokensCommand.ListTokens.class, TokensCommand.CreateToken.class, TokensCommand.RevokeToken.class})
public final class TokensCommand extends CommandGroup {

    static Table table(List<JsonNode> tokens, Printer p) {
        Table t = new Table("NAME", "ROLE", "QUEUES", "CREATED", "BY", "EXPIRES", "LAST USED");
        for (JsonNode k : tokens) {
            List<String> queues = new ArrayList<>();
            k.path("queues").forEach(q -> queues.add(q.asText()));
            t.row(k.path("name").asText(), k.path("role").asText(), queues.isEmpty() ? "(all)" : String.join(",", queues),
                    p.times().format(k.path("createdAt").asText(null)), k.path("createdBy").asText("-"),
                    k.path("expiresAt").isNull() ? "never" : p.times().format(k.path("expiresAt").asText(null)),
                    k.path("lastUsedAt").isNull() ? "never" : p.times().format(k.path("lastUsedAt").asText(null)));
        }
        return t;
    }

    @Command(name = "list", aliases = "ls", description = "The API tokens, never their secrets.")
    static final class ListTokens extends BatonCommand {
        @Override
        public Integer call() {
            List<JsonNode> tokens = new ArrayList<>();
            api().get("/api/v1/tokens").forEach(tokens::add);
            print().list(tokens, table(tokens, print()));
            return ExitCodes.OK;
        }
    }

    @Command(name = "create", description = {"Create an API token. Its secret is printed this once (on stdout alone, for a",
            "script to capture); the coordinator keeps only its hash."})
    static final class CreateToken extends BatonCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--role", required = true, paramLabel = "ROLE", description = "admin, producer, worker or viewer.")
        String role;

        @Option(names = "--queue", paramLabel = "QUEUE", description = "Scope a producer or worker token to these queues (repeatable).")
        List<String> queues;

        @Option(names = "--expires", paramLabel = "WHEN", description = "A time, or how long from now (30d).")
        String expires;

        @Override
        public Integer call() {
            Instant at = expires == null ? null : Args.future(expires, Instant.now());
            JsonNode created = api().post("/api/v1/tokens", new Requests.CreateToken(name, role, queues, at)).body();
            print().value(created, () -> {
                print().out().println(created.path("token").asText());
                print().note("(token " + name + " created, role " + role + "; the secret above is shown this once)");
            });
            return ExitCodes.OK;
        }
    }

    @Command(name = "revoke", description = "Revoke an API token: every coordinator refuses it from the next request.")
    static final class RevokeToken extends BatonCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            api().send("DELETE", "/api/v1/tokens/" + ApiClient.encode(name), null, Map.of());
            print().note("token " + name + " revoked");
            return ExitCodes.OK;
        }
    }
}
