package dev.baton.coordinator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Baton series docs/grafana-dashboard.json and docs/alerts.md query, read from the files
 * themselves, so that a test can hold them against a real scrape: a renamed metric then fails the
 * build instead of leaving an empty panel or an alert that can never fire.
 */
final class DashboardSeries {
    private static final Pattern SERIES = Pattern.compile("\\bbaton_[a-z0-9_]+\\b");
    private static final Pattern PROMQL = Pattern.compile("```promql\\n(.*?)```", Pattern.DOTALL);
    static final Path DASHBOARD = Path.of("..", "docs", "grafana-dashboard.json");
    static final Path ALERTS = Path.of("..", "docs", "alerts.md");

    private DashboardSeries() {
    }

    /** Every series a panel's query names; checks on the way that the file is a dashboard Grafana can import. */
    static Set<String> dashboard() throws IOException {
        JsonNode d = Json.mapper().readTree(Files.readString(DASHBOARD));
        assertThat(d.path("title").asText()).isNotBlank();
        assertThat(d.path("uid").asText()).isNotBlank();
        assertThat(d.path("schemaVersion").isInt()).isTrue();
        assertThat(d.path("panels").isArray()).isTrue();
        assertThat(d.path("panels")).isNotEmpty();
        Set<String> names = new TreeSet<>();
        Set<Integer> ids = new TreeSet<>();
        for (JsonNode panel : d.path("panels")) {
            assertThat(ids.add(panel.path("id").asInt())).as("panel ids are unique").isTrue();
            assertThat(panel.path("type").asText()).isNotBlank();
            assertThat(panel.path("gridPos").path("w").asInt()).isPositive();
            if (panel.path("type").asText().equals("row")) {
                // a row only heads the panels below it: a title, no query
                assertThat(panel.path("title").asText()).isNotBlank();
                assertThat(panel.path("collapsed").isBoolean()).isTrue();
                continue;
            }
            assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("refId").asText()).isNotBlank();
                String expr = target.path("expr").asText();
                assertThat(expr).as("a query in " + panel.path("title").asText()).isNotBlank();
                names.addAll(series(expr));
            }
        }
        return names;
    }

    /** Every series the PromQL blocks of docs/alerts.md name. */
    static Set<String> alerts() throws IOException {
        Matcher m = PROMQL.matcher(Files.readString(ALERTS));
        Set<String> names = new TreeSet<>();
        int blocks = 0;
        while (m.find()) {
            blocks++;
            names.addAll(series(m.group(1)));
        }
        assertThat(blocks).as("PromQL blocks in alerts.md").isPositive();
        return names;
    }

    private static Set<String> series(String promql) {
        Set<String> names = new TreeSet<>();
        SERIES.matcher(promql).results().forEach(r -> names.add(r.group()));
        return names;
    }
}
