package dev.baton.coordinator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of a coordinator's {@code /prometheus} (admin token), read into series: a sample's
 * name and labels (in name order) to its value. {@link #value} sums the samples of a name whose
 * labels include the ones given, so a test asks for what it knows and ignores the rest.
 */
public final class Scrape {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)(\\s+\\d+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");
    private final Map<String, Map<Map<String, String>, Double>> samples = new HashMap<>();

    private Scrape(String text) {
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("not a Prometheus sample: " + line);
            }
            Map<String, String> labels = new TreeMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.computeIfAbsent(m.group(1), k -> new HashMap<>()).put(labels, Double.parseDouble(m.group(4)));
        }
    }

    public static Scrape of(Api api) {
        Api.Resp r = api.unchecked().get("/prometheus", Api.ADMIN);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return new Scrape(r.raw());
    }

    /** Whether any sample of {@code name} exists. */
    public boolean has(String name) {
        return samples.containsKey(name);
    }

    /** The sum of {@code name}'s samples whose labels include {@code labels} (pairs: name, value); 0 when none. */
    public double value(String name, String... labels) {
        Map<Map<String, String>, Double> series = samples.getOrDefault(name, Map.of());
        double sum = 0;
        for (Map.Entry<Map<String, String>, Double> e : series.entrySet()) {
            boolean matches = true;
            for (int i = 0; i + 1 < labels.length; i += 2) {
                matches &= labels[i + 1].equals(e.getKey().get(labels[i]));
            }
            if (matches) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    /** Every sample name of the scrape. */
    public java.util.Set<String> names() {
        return samples.keySet();
    }
}
