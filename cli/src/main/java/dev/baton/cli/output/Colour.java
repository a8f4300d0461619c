package dev.baton.cli.output;

/**
 * ANSI colour, only when stdout is a terminal (and {@code NO_COLOR} is not set, {@code --no-color}
 * not given): piped output never carries escape codes.
 */
public final class Colour {
    private final boolean on;

    public Colour(boolean on) {
        this.on = on;
    }

    public boolean on() {
        return on;
    }

    /** A job's status coloured by how it stands: green done, red failed, yellow cancelled, cyan running. */
    public String status(String status) {
        if (status == null) {
            return "-";
        }
        return switch (status) {
            case "succeeded", "up", "ready" -> paint("32", status);
            case "failed", "down", "not_ready" -> paint("31", status);
            case "cancelled", "degraded" -> paint("33", status);
            case "running" -> paint("36", status);
            default -> status;
        };
    }

    public String bold(String s) {
        return paint("1", s);
    }

    public String red(String s) {
        return paint("31", s);
    }

    public String yellow(String s) {
        return paint("33", s);
    }

    public String dim(String s) {
        return paint("2", s);
    }

    private String paint(String code, String s) {
        return on ? "\u001b[" + code + "m" + s + "\u001b[0m" : s;
    }

    /** The text as it shows: escape codes take no columns. */
    static int width(String s) {
        return s.replaceAll("\u001b\\[[0-9;]*m", "").length();
    }
}
