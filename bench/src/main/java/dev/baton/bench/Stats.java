package dev.baton.bench;

import java.util.Arrays;
import java.util.Collection;

/** Percentiles of a set of samples (nearest rank). */
record Stats(int n, double p50, double p90, double p99, double max, double mean) {

    static Stats of(Collection<Double> samples) {
        double[] v = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Stats(v.length, rank(v, 50), rank(v, 90), rank(v, 99), v[v.length - 1],
                Arrays.stream(v).average().orElse(Double.NaN));
    }

    private static double rank(double[] sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
