package dev.baton.cli.output;

import java.io.Console;
import java.lang.reflect.Method;

/** Whether stdout is a terminal, the condition for colour. */
public final class Terminal {
    private Terminal() {
    }

    /**
     * Up to JDK 21 {@code System.console()} is null unless both stdin and stdout are a terminal; from
     * JDK 22 it may be a console even when stdout is piped, and {@code Console.isTerminal()} (not in
     * the 21 API this module compiles against, hence reflection) says which.
     */
    public static boolean stdout() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
