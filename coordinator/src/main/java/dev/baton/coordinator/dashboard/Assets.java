package dev.baton.coordinator.dashboard;

import dev.baton.coordinator.auth.Anonymous;
import dev.baton.coordinator.error.BatonException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;

/**
 * The dashboard's scripts and styles, from the classpath: htmx and its SSE extension from their
 * webjars, ours from resources/dashboard. A fixed list, read once at start: no path from a
 * request ever reaches the class loader.
 */
@Controller("/ui/static")
@Requires(condition = DashboardOn.class)
public final class Assets {
    private record Asset(byte[] bytes, String type) {
    }

    private static final String JS = "text/javascript;charset=utf-8";
    private final Map<String, Asset> assets = Map.of(
            "htmx.min.js", new Asset(read(webjar("htmx.org") + "/dist/htmx.min.js"), JS),
            "sse.js", new Asset(read(webjar("htmx-ext-sse") + "/sse.js"), JS),
            "dashboard.js", new Asset(read("dashboard/dashboard.js"), JS),
            "dashboard.css", new Asset(read("dashboard/dashboard.css"), "text/css;charset=utf-8"));

    @Get("/{name}")
    @Anonymous
    public HttpResponse<byte[]> get(@PathVariable String name) {
        Asset asset = assets.get(name);
        if (asset == null) {
            throw BatonException.notFound("dashboard file", name);
        }
        return HttpResponse.ok(asset.bytes()).contentType(asset.type())
                .header(HttpHeaders.CACHE_CONTROL, "public, max-age=3600");
    }

    /** Where a webjar keeps its files: under its version, which its pom.properties says. */
    private static String webjar(String artifact) {
        Properties pom = new Properties();
        try (InputStream in = stream("META-INF/maven/org.webjars.npm/" + artifact + "/pom.properties")) {
            pom.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "META-INF/resources/webjars/" + artifact + "/" + pom.getProperty("version");
    }

    private static byte[] read(String resource) {
        try (InputStream in = stream(resource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream stream(String resource) throws IOException {
        InputStream in = Assets.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("the dashboard's " + resource + " is not on the classpath");
        }
        return in;
    }
}
