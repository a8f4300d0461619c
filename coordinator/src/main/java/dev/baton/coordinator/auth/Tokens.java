package dev.baton.coordinator.auth;

import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.ApiTokens;
import dev.baton.coordinator.db.Db;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer tokens. Only SHA-256 hashes are held, compared in constant time, and no token is ever
 * logged, except the ones generated at first start, printed once so the operator can keep them.
 */
@Context
@Requires(beans = Settings.class) // only inside a coordinator, never in an application that merely has it on its classpath
public final class Tokens {
    private static final Logger LOG = LoggerFactory.getLogger(Tokens.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Entry(byte[] hash, Role role) {
    }

    private final List<Entry> entries;

    public Tokens(Settings settings, Db db, ApiTokens tokens) {
        List<Entry> list = new ArrayList<>();
        settings.adminTokens().forEach(t -> list.add(new Entry(hash(t), Role.ADMIN)));
        settings.producerTokens().forEach(t -> list.add(new Entry(hash(t), Role.PRODUCER)));
        settings.workerTokens().forEach(t -> list.add(new Entry(hash(t), Role.WORKER)));
        if (list.isEmpty()) {
            list.addAll(generatedTokens(db, tokens));
        }
        this.entries = List.copyOf(list);
    }

    /** The role of {@code token}, if any. Every entry is compared, so timing reveals nothing. */
    public Optional<Role> roleOf(String token) {
        byte[] candidate = hash(token);
        Role found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.hash, candidate) && found == null) {
                found = e.role;
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * With no tokens configured, the first coordinator to start generates an admin and a worker
     * token under an advisory lock; every later start (of any coordinator) reads their hashes.
     */
    private static List<Entry> generatedTokens(Db db, ApiTokens tokens) {
        return db.tx(c -> {
            tokens.lockForGeneration(c);
            List<Entry> stored = new ArrayList<>();
            for (ApiTokens.Stored t : tokens.all(c)) {
                stored.add(new Entry(t.hash(), Role.valueOf(t.role().toUpperCase())));
            }
            if (!stored.isEmpty()) {
                return stored;
            }
            StringBuilder banner = new StringBuilder("\n\nNo tokens configured (BATON_ADMIN_TOKENS, BATON_WORKER_TOKENS, "
                    + "BATON_PRODUCER_TOKENS), so these were generated. They are shown once; only their hashes are kept:\n");
            for (Role role : List.of(Role.ADMIN, Role.WORKER)) {
                String token = "baton_" + role.wire() + "_" + newSecret();
                Entry e = new Entry(hash(token), role);
                tokens.insert(c, e.hash, role.wire());
                stored.add(e);
                banner.append(String.format("  %-6s token: %s%n", role.wire(), token));
            }
            LOG.warn(banner.toString());
            return stored;
        });
    }

    private static String newSecret() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
