package dev.baton.coordinator.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A six-field cron (second minute hour day-of-month month day-of-week) in words, for the shapes
 * schedules usually take: {@code 0 *}{@code /5 * * * *} is "every 5 minutes", {@code 0 30 9 * * MON-FRI}
 * "at 09:30, Monday to Friday", {@code 0 0 3 1 * *} "at 03:00 on day 1 of every month". Any other
 * shape is {@code null}: the page then shows the cron alone rather than words that might mislead.
 */
public final class CronWords {
    private static final Pattern NUMBER = Pattern.compile("\\d{1,2}");
    private static final Pattern STEP = Pattern.compile("(?:\\*|0)/(\\d{1,2})");
    private static final String[] DAYS = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
        "Saturday", "Sunday"};
    private static final List<String> DAY_NAMES = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");
    private static final String[] MONTHS = {"January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December"};
    private static final List<String> MONTH_NAMES = List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG",
            "SEP", "OCT", "NOV", "DEC");

    private CronWords() {
    }

    /** The cron in words, or null when its shape is not one of those described. */
    public static String of(String cron) {
        String[] f = cron.trim().toUpperCase(Locale.ROOT).split("\\s+");
        if (f.length != 6) {
            return null;
        }
        String time = time(f[0], f[1], f[2]);
        if (time == null) {
            return null;
        }
        boolean atTimes = time.startsWith("at ");
        String days = days(f[3], f[4], f[5], atTimes);
        if (days == null) {
            return null;
        }
        return days.isEmpty() ? time : time + days;
    }

    private static String time(String s, String m, String h) {
        boolean anyM = m.equals("*");
        boolean anyH = h.equals("*");
        if (s.equals("*") && anyM && anyH) {
            return "every second";
        }
        Integer sStep = step(s);
        if (sStep != null && anyM && anyH) {
            return "every " + plural(sStep, "second");
        }
        Integer sec = number(s, 59);
        if (sec == null) {
            return null;
        }
        String atSecond = sec == 0 ? "" : " at second " + sec;
        if (anyM && anyH) {
            return "every minute" + atSecond;
        }
        Integer mStep = step(m);
        if (mStep != null && anyH) {
            return "every " + plural(mStep, "minute") + atSecond;
        }
        Integer min = number(m, 59);
        if (min == null) {
            return null;
        }
        if (anyH) {
            return "every hour at minute " + min + atSecond;
        }
        Integer hStep = step(h);
        if (hStep != null) {
            return "every " + plural(hStep, "hour") + " at minute " + min + atSecond;
        }
        List<String> times = new ArrayList<>();
        for (String part : h.split(",")) {
            Integer hour = number(part, 23);
            if (hour == null) {
                return null;
            }
            times.add(String.format(sec == 0 ? "%02d:%02d" : "%02d:%02d:%02d", hour, min, sec));
        }
        return "at " + joined(times);
    }

    /** ", Monday to Friday", " on day 1 of every month", "" (every day, unsaid after an interval), or null. */
    private static String days(String dom, String month, String dow, boolean atTimes) {
        boolean anyDom = dom.equals("*") || dom.equals("?");
        boolean anyDow = dow.equals("*") || dow.equals("?");
        boolean anyMonth = month.equals("*");
        if (anyDom && anyDow && anyMonth) {
            return atTimes ? " every day" : "";
        }
        if (!anyMonth) {
            Integer mo = named(month, MONTH_NAMES, 1, 12);
            Integer day = number(dom, 31);
            return mo == null || day == null || !anyDow ? null : " on " + MONTHS[mo - 1] + " " + day;
        }
        if (!anyDom) {
            Integer day = number(dom, 31);
            return day == null || !anyDow ? null : " on day " + day + " of every month";
        }
        String[] range = dow.split("-");
        if (range.length == 2) {
            Integer from = named(range[0], DAY_NAMES, 0, 7);
            Integer to = named(range[1], DAY_NAMES, 0, 7);
            return from == null || to == null ? null : ", " + DAYS[from] + " to " + DAYS[to];
        }
        List<String> days = new ArrayList<>();
        for (String part : dow.split(",")) {
            Integer d = named(part, DAY_NAMES, 0, 7);
            if (d == null) {
                return null;
            }
            days.add(DAYS[d] + "s");
        }
        return " on " + joined(days);
    }

    private static Integer step(String field) {
        var m = STEP.matcher(field);
        return m.matches() && Integer.parseInt(m.group(1)) > 0 ? Integer.parseInt(m.group(1)) : null;
    }

    private static Integer number(String field, int max) {
        if (!NUMBER.matcher(field).matches()) {
            return null;
        }
        int n = Integer.parseInt(field);
        return n <= max ? n : null;
    }

    /** A number from {@code min} to {@code max}, or a name from {@code names} (the first being {@code min}). */
    private static Integer named(String field, List<String> names, int min, int max) {
        int i = names.indexOf(field);
        if (i >= 0) {
            return min + i;
        }
        Integer n = number(field, max);
        return n == null || n < min ? null : n;
    }

    private static String plural(int n, String unit) {
        return n == 1 ? unit : n + " " + unit + "s";
    }

    private static String joined(List<String> items) {
        if (items.size() == 1) {
            return items.getFirst();
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.getLast();
    }
}
