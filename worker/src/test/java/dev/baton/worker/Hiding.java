package dev.baton.worker;

import java.io.IOException;
import java.io.InputStream;

/**
 * A class loader without the packages an optional dependency brings (Micrometer, OpenTelemetry):
 * the worker's own classes are loaded afresh through it, everything else from the parent, and a
 * class of a hidden package is not found, as on an application's class path without that dependency.
 */
final class Hiding extends ClassLoader {
    private final String hidden;

    Hiding(ClassLoader parent, String hiddenPrefix) {
        super(parent);
        this.hidden = hiddenPrefix;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            if (name.startsWith(hidden)) {
                throw new ClassNotFoundException(name);
            }
            if (!name.startsWith("dev.baton.worker.")) {
                return super.loadClass(name, resolve);
            }
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                    if (in == null) {
                        throw new ClassNotFoundException(name);
                    }
                    byte[] bytes = in.readAllBytes();
                    c = defineClass(name, bytes, 0, bytes.length);
                } catch (IOException e) {
                    throw new ClassNotFoundException(name, e);
                }
            }
            return c;
        }
    }
}
