package dev.baton.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The one check of each kind of value the command line takes, as picocli converters: a value out of
 * range is a usage error (exit 2) whose message names the option, before any request is sent.
 */
public final class Values {
    private Values() {
    }

    /** Every text option and parameter (registered for {@code String}): an id, name or value is never empty. */
    public static final class Text implements ITypeConverter<String> {
        static final String EMPTY = "must not be empty";

        @Override
        public String convert(String value) {
            if (value.isBlank()) {
                throw new TypeConversionException(EMPTY);
            }
            return value;
        }
    }

    /** A whole number from {@code min} to {@code max}. */
    abstract static class Whole implements ITypeConverter<Integer> {
        private final int min;
        private final int max;

        Whole(int min, int max) {
            this.min = min;
            this.max = max;
        }

        @Override
        public Integer convert(String value) {
            int n;
            try {
                n = Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a whole number");
            }
            if (n < min || n > max) {
                throw new TypeConversionException(max == Integer.MAX_VALUE ? "must be at least " + min + ", not " + n
                        : "must be from " + min + " to " + max + ", not " + n);
            }
            return n;
        }
    }

    /** A decimal number above {@code above} (or from {@code from}) up to {@code max}. */
    abstract static class Decimal implements ITypeConverter<Double> {
        private final double from;
        private final boolean inclusive;
        private final double max;

        Decimal(double from, boolean inclusive, double max) {
            this.from = from;
            this.inclusive = inclusive;
            this.max = max;
        }

        @Override
        public Double convert(String value) {
            double d;
            try {
                d = Double.parseDouble(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a number");
            }
            boolean low = inclusive ? !(d >= from) : !(d > from);
            if (low || !(d <= max)) {
                throw new TypeConversionException("must be " + (inclusive ? "from " : "above ") + plain(from)
                        + (max == Double.MAX_VALUE ? "" : " up to " + plain(max)) + ", not " + value.strip());
            }
            return d;
        }

        private static String plain(double d) {
            return java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        }
    }

    /** A count or limit: {@code --max}, {@code --limit}, {@code --attempt}. */
    public static final class Count extends Whole {
        public Count() {
            super(1, Integer.MAX_VALUE);
        }
    }

    /** {@code --max-running}: what {@code PUT /queues/{name}} accepts. */
    public static final class MaxRunning extends Whole {
        public MaxRunning() {
            super(0, 1_000_000);
        }
    }

    /** {@code --rate}: what {@code PUT /queues/{name}} accepts. */
    public static final class Rate extends Decimal {
        public Rate() {
            super(0.001, true, 1_000_000);
        }
    }

    /** {@code --rps}: any pace above none. */
    public static final class Rps extends Decimal {
        public Rps() {
            super(0, false, Double.MAX_VALUE);
        }
    }
}
