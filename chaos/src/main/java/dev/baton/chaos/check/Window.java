package dev.baton.chaos.check;

/**
 * A fault as it was applied: its kind, the coordinator it hit (-1 when it hit no single
 * coordinator: a worker, or PostgreSQL for all), and when it started and was healed (epoch ms).
 */
public record Window(String kind, int coordinator, long startMs, long healedMs) {
}
