package dev.baton.coordinator.http;

import dev.baton.coordinator.auth.Anonymous;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Serves the hand-written OpenAPI document; OpenApiDocumentTest holds it to the router's routes. */
@Controller
public final class OpenApiController {
    private static final String YAML = "application/yaml";
    private final String document;

    public OpenApiController() {
        try (InputStream in = OpenApiController.class.getResourceAsStream("/openapi.yaml")) {
            this.document = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Declared as YAML, so a client asking for {@code Accept: application/yaml} is served, not 406. */
    @Get(value = "/openapi.yaml", produces = YAML)
    @Anonymous
    public HttpResponse<String> openapi() {
        return HttpResponse.ok(document).contentType(YAML);
    }
}
