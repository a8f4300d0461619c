package dev.baton.coordinator.testing;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.interaction.ApiOperationResolver;
import com.atlassian.oai.validator.model.ApiOperationMatch;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.Yaml;

/**
 * Holds every response a test receives to the served OpenAPI document (the coordinator's
 * {@code /openapi.yaml}): its status must be one the operation lists by number ({@code default}
 * covers nothing here: a status a route does not document is a mismatch), and its content type,
 * body and declared headers must match that response. A request to a path or method the document
 * does not name must be refused with a problem+json 401, 403, 404 or 405. The document is parsed
 * once per JVM.
 */
public final class OpenApiCheck {
    private static final String DOCUMENT = "/openapi.yaml";

    private OpenApiCheck() {
    }

    /** Parsed on first use, once. */
    private static final class Loaded {
        static final String YAML = read();
        static final OpenApiInteractionValidator VALIDATOR =
                OpenApiInteractionValidator.createForInlineApiSpecification(nullableRefsInlined(YAML)).build();
        static final ApiOperationResolver OPERATIONS = new ApiOperationResolver(parse(), null, false);

        private static String read() {
            try (InputStream in = OpenApiCheck.class.getResourceAsStream(DOCUMENT)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static OpenAPI parse() {
            ParseOptions options = new ParseOptions();
            options.setResolve(true);
            return new OpenAPIV3Parser().readContents(YAML, null, options).getOpenAPI();
        }
    }

    /**
     * The document spells a nullable reference as OpenAPI 3.0 allows it, {@code {nullable: true,
     * allOf: [{$ref: X}]}}, which generators read as "X or null"; the validator checks the allOf
     * without the nullable and so refuses every null. For it, each such schema becomes a copy of X
     * that is nullable itself, which says the same.
     */
    @SuppressWarnings("unchecked")
    static String nullableRefsInlined(String yaml) {
        Map<String, Object> doc = new Yaml().load(yaml);
        Map<String, Object> schemas = (Map<String, Object>) ((Map<String, Object>) doc.get("components")).get("schemas");
        inline(doc, schemas);
        return new Yaml().dump(doc);
    }

    @SuppressWarnings("unchecked")
    private static void inline(Object node, Map<String, Object> schemas) {
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) map).entrySet()) {
                if (e.getValue() instanceof Map<?, ?> value && Boolean.TRUE.equals(value.get("nullable"))
                        && value.get("allOf") instanceof List<?> all && all.size() == 1
                        && all.get(0) instanceof Map<?, ?> ref && ref.get("$ref") instanceof String target) {
                    Map<String, Object> copy = new LinkedHashMap<>(
                            (Map<String, Object>) schemas.get(target.substring(target.lastIndexOf('/') + 1)));
                    copy.put("nullable", true);
                    e.setValue(copy);
                } else {
                    inline(e.getValue(), schemas);
                }
            }
        } else if (node instanceof List<?> list) {
            list.forEach(item -> inline(item, schemas));
        }
    }

    /** Throws an AssertionError naming every way the response differs from the document. */
    public static void check(String method, String pathAndQuery, int status, HttpHeaders headers, String body) {
        String path = URI.create(pathAndQuery).getRawPath();
        Request.Method m = Request.Method.valueOf(method.toUpperCase(Locale.ROOT));
        if (m == Request.Method.HEAD || m == Request.Method.OPTIONS) {
            return; // Micronaut answers these for every GET route; the document describes GET
        }
        String contentType = headers.firstValue("content-type").orElse(null);
        ApiOperationMatch match = Loaded.OPERATIONS.findApiOperation(path, m);
        if (!match.isPathFound() || !match.isOperationAllowed()) {
            // Tokens are checked before routing: a path not in the role table is admin-only (401, 403).
            if (!List.of(401, 403, 404, 405).contains(status) || contentType == null
                    || !contentType.startsWith("application/problem+json")) {
                throw mismatch(method, pathAndQuery, status, body,
                        "a route the document does not name must be a problem+json 401, 403, 404 or 405");
            }
            return;
        }
        if (!match.getApiOperation().getOperation().getResponses().containsKey(Integer.toString(status))) {
            throw mismatch(method, pathAndQuery, status, body, "status " + status + " is not documented for "
                    + match.getApiOperation().getOperation().getOperationId() + " (only as its default)");
        }
        SimpleResponse.Builder response = SimpleResponse.Builder.status(status);
        headers.map().forEach(response::withHeader);
        if (contentType != null) {
            response.withContentType(contentType);
        }
        if (body != null && !body.isEmpty()) {
            response.withBody(body);
        }
        ValidationReport report = Loaded.VALIDATOR.validateResponse(path, m, response.build());
        if (report.hasErrors()) {
            throw mismatch(method, pathAndQuery, status, body, report.getMessages().stream()
                    .filter(msg -> msg.getLevel() == ValidationReport.Level.ERROR)
                    .map(msg -> msg.getKey() + ": " + msg.getMessage())
                    .collect(Collectors.joining("\n  ")));
        }
    }

    private static AssertionError mismatch(String method, String path, int status, String body, String why) {
        String shown = body == null ? "" : body.length() > 2000 ? body.substring(0, 2000) + "…" : body;
        return new AssertionError("the response to " + method + " " + path + " does not match " + DOCUMENT
                + ":\n  " + why + "\n  answer: " + status + " " + shown);
    }
}
