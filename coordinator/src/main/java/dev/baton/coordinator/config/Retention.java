package dev.baton.coordinator.config;

import dev.baton.common.JobStatus;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long finished jobs are kept, per final status: {@code BATON_RETENTION}. Either one
 * duration for all ({@code 7d}) or per status ({@code succeeded=1d,failed=30d}); a bare duration
 * in the list sets the default for the statuses not named. Units: s, m, h, d. Default 7 days.
 */
public record Retention(Duration succeeded, Duration failed, Duration cancelled) {
    public static final Retention DEFAULT = new Retention(Duration.ofDays(7), Duration.ofDays(7), Duration.ofDays(7));
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})([smhd])");

    public Retention {
        for (Duration d : new Duration[] {succeeded, failed, cancelled}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("BATON_RETENTION: every retention must be positive");
            }
        }
    }

    public static Retention parse(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT;
        }
        Duration fallback = null;
        Map<JobStatus, Duration> named = new EnumMap<>(JobStatus.class);
        for (String part : text.split(",")) {
            String item = part.trim().toLowerCase(Locale.ROOT);
            int eq = item.indexOf('=');
            if (eq < 0) {
                if (fallback != null) {
                    throw invalid(text, "more than one default duration");
                }
                fallback = duration(text, item);
                continue;
            }
            String status = item.substring(0, eq).trim();
            JobStatus s = switch (status) {
                case "succeeded" -> JobStatus.SUCCEEDED;
                case "failed" -> JobStatus.FAILED;
                case "cancelled" -> JobStatus.CANCELLED;
                default -> throw invalid(text, "'" + status + "' is not succeeded, failed or cancelled");
            };
            if (named.put(s, duration(text, item.substring(eq + 1).trim())) != null) {
                throw invalid(text, status + " is given twice");
            }
        }
        Duration base = fallback != null ? fallback : DEFAULT.succeeded();
        return new Retention(named.getOrDefault(JobStatus.SUCCEEDED, base), named.getOrDefault(JobStatus.FAILED, base),
                named.getOrDefault(JobStatus.CANCELLED, base));
    }

    /** The retention of a finished status. */
    public Duration of(JobStatus status) {
        return switch (status) {
            case SUCCEEDED -> succeeded;
            case FAILED -> failed;
            case CANCELLED -> cancelled;
            default -> throw new IllegalArgumentException(status + " is not a finished status");
        };
    }

    private static Duration duration(String text, String value) {
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw invalid(text, "'" + value + "' is not a duration such as 30m, 12h or 7d");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        if (d.isZero()) {
            throw invalid(text, "a retention must be positive");
        }
        return d;
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("BATON_RETENTION '" + text + "': " + why);
    }
}
