package dev.baton.cli.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.cli.CliException;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.Failures;
import dev.baton.cli.output.Printer;
import dev.baton.cli.output.Table;
import dev.baton.common.Job;
import dev.baton.common.Json;
import java.util.List;

/** Jobs as table rows for people. */
final class JobRows {
    private JobRows() {
    }

    static Job typed(JsonNode node) {
        try {
            return Json.answers().treeToValue(node, Job.class);
        } catch (JsonProcessingException e) {
            throw new CliException(ExitCodes.FAILED, "the coordinator sent a job this CLI cannot read: " + Failures.json(e), e);
        }
    }

    static Table table(List<JsonNode> jobs, Printer p) {
        Table t = new Table("ID", "QUEUE", "TYPE", "STATUS", "ATTEMPT", "PRIORITY", "CREATED", "RUN AT", "LAST ERROR");
        for (JsonNode node : jobs) {
            Job j = typed(node);
            t.row(j.id(), j.queue(), j.type(), p.colour().status(j.status().name().toLowerCase()),
                    j.attempt() + "/" + j.maxAttempts(), j.priority(),
                    p.times().format(str(j.createdAt())), p.times().format(str(j.runAt())),
                    j.lastError() == null ? "-" : cut(j.lastError().message(), 50));
        }
        return t;
    }

    static String str(Object o) {
        return o == null ? null : o.toString();
    }

    static String cut(String s, int n) {
        if (s == null) {
            return "-";
        }
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
