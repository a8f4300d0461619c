package dev.baton.coordinator.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.common.Json;
import dev.baton.coordinator.db.JobQueries;
import dev.baton.coordinator.error.BatonException;

/**
 * The jobs page's search, made into a JSON object the job's payload, result or error (field
 * {@value #IN}, payload when absent) must contain (jsonb {@code @>}): either that object as JSON ({@code {"customer": {"id": 7}}}), or {@code key:value}
 * terms separated by spaces, each matching a string value, a dotted key reaching into nested
 * objects ({@code customer.tier:gold order:A-17}). A value with spaces, or a number, is searched
 * for as JSON.
 */
final class SearchQuery {
    static final String FIELD = "q";
    static final String IN = "in";

    private SearchQuery() {
    }

    /**
     * The search of {@code query} in the document {@code in} names (payload, result, error; null:
     * payload); null for a blank query; 400 naming the field that cannot be read.
     */
    static JobQueries.Search search(String in, String query) {
        JobQueries.Searched where = searched(in);
        String json = toContainment(query);
        return json == null ? null : new JobQueries.Search(where, json);
    }

    static JobQueries.Searched searched(String in) {
        if (in == null) {
            return JobQueries.Searched.PAYLOAD;
        }
        for (JobQueries.Searched s : JobQueries.Searched.values()) {
            if (s.wire().equals(in)) {
                return s;
            }
        }
        throw BatonException.invalid(IN, "must be payload, result or error");
    }

    /** The containment JSON for {@code query}; null for a blank one; 400 naming {@value #FIELD} for one it cannot read. */
    static String toContainment(String query) {
        if (query == null || query.isBlank()) {
            return null;
        }
        String q = query.strip();
        if (q.startsWith("{")) {
            JsonNode node;
            try {
                node = Json.mapper().readTree(q);
            } catch (Exception e) {
                throw BatonException.invalid(FIELD, "is not valid JSON");
            }
            if (node == null || !node.isObject()) {
                throw BatonException.invalid(FIELD, "must be a JSON object");
            }
            return node.toString();
        }
        ObjectNode root = Json.mapper().createObjectNode();
        for (String term : q.split("\\s+")) {
            int colon = term.indexOf(':');
            if (colon <= 0 || colon == term.length() - 1) {
                throw BatonException.invalid(FIELD, "write key:value (or a JSON object), was '" + shorten(term) + "'");
            }
            put(root, term.substring(0, colon), term.substring(colon + 1));
        }
        return root.toString();
    }

    private static void put(ObjectNode root, String dottedKey, String value) {
        String[] keys = dottedKey.split("\\.", -1);
        ObjectNode at = root;
        for (int i = 0; i < keys.length - 1; i++) {
            if (keys[i].isEmpty()) {
                throw BatonException.invalid(FIELD, "a key has an empty part: '" + shorten(dottedKey) + "'");
            }
            JsonNode next = at.get(keys[i]);
            at = next instanceof ObjectNode o ? o : at.putObject(keys[i]);
        }
        if (keys[keys.length - 1].isEmpty()) {
            throw BatonException.invalid(FIELD, "a key has an empty part: '" + shorten(dottedKey) + "'");
        }
        at.put(keys[keys.length - 1], value);
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
