package dev.baton.common.config;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Setting names nothing reads, such as a misspelt BATON_DB_ULR (which would otherwise silently
 * start an embedded database), each with the setting it is closest to when that is only a letter
 * or two away: {@code BATON_DB_ULR (did you mean BATON_DB_URL?)}.
 */
public final class UnknownNames {
    private UnknownNames() {
    }

    /**
     * The names in {@code given} that start with {@code prefix} and are neither {@code known}
     * (what this program reads) nor {@code others} (names another Baton program reads, which a
     * shell that runs both has set, and which are no typo), sorted.
     */
    public static List<String> of(Collection<String> given, String prefix, Set<String> known, Set<String> others) {
        return given.stream()
                .filter(k -> k.startsWith(prefix) && !known.contains(k) && !others.contains(k))
                .sorted()
                .map(k -> known.stream().filter(n -> editDistance(k, n) <= 2)
                        .min(Comparator.comparingInt((String n) -> editDistance(k, n)).thenComparing(n -> n))
                        .map(n -> k + " (did you mean " + n + "?)").orElse(k))
                .toList();
    }

    /** Edits (insert, delete, replace, swap two neighbours) from a to b: ULR is one from URL. */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            for (int j = 0; j <= b.length(); j++) {
                if (i == 0 || j == 0) {
                    d[i][j] = i + j;
                    continue;
                }
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
