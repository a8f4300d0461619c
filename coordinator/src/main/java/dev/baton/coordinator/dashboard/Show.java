package dev.baton.coordinator.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.stream.Collectors;

/** How the templates show values: times in UTC, ages in words, JSON indented, query strings encoded. */
public final class Show {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);

    private Show() {
    }

    public static String time(Instant t) {
        return t == null ? "—" : TIME.format(t.truncatedTo(ChronoUnit.SECONDS));
    }

    /** 850 ms, 42 s, 3 min 5 s, 2 h 10 min, 3 d 4 h. */
    public static String age(Long ms) {
        if (ms == null) {
            return "—";
        }
        long s = ms / 1000;
        if (s < 1) {
            return ms + " ms";
        }
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min " + s % 60 + " s";
        }
        if (s < 86_400) {
            return s / 3600 + " h " + s % 3600 / 60 + " min";
        }
        return s / 86_400 + " d " + s % 86_400 / 3600 + " h";
    }

    public static String json(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "";
        }
        try {
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            return node.toString();
        }
    }

    public static String json(Map<String, String> map) {
        return map == null ? "{}" : json((JsonNode) Json.mapper().valueToTree(map));
    }

    /** {@code a=1&b=x%20y} from the non-blank entries of {@code params}, in their order. */
    public static String query(Map<String, String> params) {
        return params.entrySet().stream().filter(e -> e.getValue() != null && !e.getValue().isBlank())
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&"));
    }

    public static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    public static String orDash(Object o) {
        return o == null ? "—" : o.toString();
    }
}
