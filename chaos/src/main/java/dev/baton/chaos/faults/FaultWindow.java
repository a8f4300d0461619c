package dev.baton.chaos.faults;

/**
 * A fault as it was applied: {@code startedAtMs} and {@code healedAtMs} are epoch ms ({@code
 * healedAtMs} is -1 while it is still on); {@code error} says why applying or healing failed, else null.
 */
public record FaultWindow(Fault fault, long startedAtMs, long healedAtMs, String error) {
}
