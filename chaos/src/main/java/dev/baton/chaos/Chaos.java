package dev.baton.chaos;

/** {@code bench/run.sh chaos …}: a seeded fault-injection run and the check of its history. */
public final class Chaos {
    private Chaos() {
    }

    public static void main(String[] args) {
        throw new UnsupportedOperationException("not yet");
    }
}
