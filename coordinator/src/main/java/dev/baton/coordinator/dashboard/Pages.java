package dev.baton.coordinator.dashboard;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Renders the dashboard's templates (src/main/jte), compiled to classes at build time, with HTML
 * output escaping: every {@code ${…}} is escaped for where it stands (text or attribute), so no
 * value from a job can become markup. The templates never use {@code $unsafe}.
 */
@Singleton
@Requires(condition = DashboardOn.class)
public final class Pages {
    static final String HTML = "text/html;charset=utf-8";
    private final TemplateEngine engine = TemplateEngine.createPrecompiled(ContentType.Html);

    public MutableHttpResponse<String> page(HttpStatus status, String template, Map<String, Object> params) {
        return HttpResponse.<String>status(status).body(render(template, params)).contentType(HTML);
    }

    public MutableHttpResponse<String> ok(String template, Map<String, Object> params) {
        return page(HttpStatus.OK, template, params);
    }

    /** A friendly refusal: the status, a title and one sentence, in the dashboard's frame. */
    public MutableHttpResponse<String> refusal(HttpStatus status, String title, String message, Frame frame) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("frame", frame == null ? Frame.ANONYMOUS : frame);
        params.put("status", status.getCode());
        params.put("title", title);
        params.put("message", message);
        return page(status, "error", params);
    }

    String render(String template, Map<String, Object> params) {
        StringOutput out = new StringOutput();
        engine.render(template + ".jte", params, out);
        return out.toString();
    }
}
