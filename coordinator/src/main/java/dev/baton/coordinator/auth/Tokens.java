package dev.baton.coordinator.auth;

import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.db.ApiTokens;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who a bearer token is. Environment tokens (BATON_ADMIN_TOKENS, ...) are held in memory as
 * SHA-256 hashes, each named {@code env:<role>#<n>} (its place in its variable, from 1), and all
 * compared in constant time; any other token is looked up in {@code api_tokens} by its hash, one
 * primary-key probe per request and no cache, so a revoke or an expiry holds on every coordinator
 * at once. No secret is ever logged, except the ones generated at first start, printed once so the
 * operator can keep them.
 */
@Context
@Requires(beans = Settings.class) // only inside a coordinator, never in an application that merely has it on its classpath
public final class Tokens {
    private static final Logger LOG = LoggerFactory.getLogger(Tokens.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private record EnvToken(byte[] hash, Caller caller) {
    }

    private final List<EnvToken> env;
    /** The generated tokens count only while no environment token is configured, as before API tokens. */
    private final boolean firstStartHonoured;
    private final Db db;
    private final ApiTokens tokens;
    private final LastUse touched = new LastUse();

    public Tokens(Settings settings, Db db, ApiTokens tokens) {
        this.db = db;
        this.tokens = tokens;
        List<EnvToken> list = new ArrayList<>();
        addEnv(list, settings.adminTokens(), Role.ADMIN);
        addEnv(list, settings.producerTokens(), Role.PRODUCER);
        addEnv(list, settings.workerTokens(), Role.WORKER);
        addEnv(list, settings.viewerTokens(), Role.VIEWER);
        this.env = List.copyOf(list);
        this.firstStartHonoured = !settings.tokensConfigured();
        if (firstStartHonoured) {
            generateIfNoAdmin(db, tokens);
        }
    }

    private static void addEnv(List<EnvToken> list, List<String> secrets, Role role) {
        for (int i = 0; i < secrets.size(); i++) {
            list.add(new EnvToken(hash(secrets.get(i)), new Caller("env:" + role.wire() + "#" + (i + 1), role, null)));
        }
    }

    /**
     * The caller {@code token} names; 401 {@code unauthenticated} for an unknown, revoked or
     * expired one. Every environment entry is compared, so timing reveals nothing about them; a
     * token not among them costs one indexed statement.
     */
    public Caller authenticate(String token) {
        return authenticateHash(hash(token));
    }

    /**
     * As {@link #authenticate}, from the token's SHA-256 {@link #hash}: for a dashboard session,
     * which keeps the hash of the token it was opened with (never the token) and asks again at
     * each request, so a revoked or expired token ends its sessions.
     */
    public Caller authenticateHash(byte[] candidate) {
        Caller found = null;
        for (EnvToken e : env) {
            if (MessageDigest.isEqual(e.hash, candidate) && found == null) {
                found = e.caller;
            }
        }
        if (found != null) {
            return found;
        }
        ApiTokens.Found stored = db.run(c -> tokens.findByHash(c, candidate));
        Role role = stored == null ? null : Role.fromWire(stored.role());
        if (role == null || (stored.name().startsWith(ApiTokens.FIRST_START + ":") && !firstStartHonoured)) {
            throw new BatonException(ErrorCode.UNAUTHENTICATED, "unknown token");
        }
        if (stored.expired()) {
            throw new BatonException(ErrorCode.UNAUTHENTICATED, "this token has expired");
        }
        touched.touch(candidate, stored.name(), () -> db.run(c -> {
            tokens.touchIfUnusedForAMinute(c, candidate);
            return null;
        }));
        return new Caller(stored.name(), role, stored.queues() == null ? null : Set.copyOf(stored.queues()));
    }

    /**
     * Whether {@code token} still names a caller: an environment token always does (it ends with
     * the process); an API token only while it is stored and unexpired, read again at each call.
     * For requests that outlive their authentication: a claim waiting for work, a log stream.
     */
    public BooleanSupplier stillValid(String token) {
        byte[] candidate = hash(token);
        for (EnvToken e : env) {
            if (MessageDigest.isEqual(e.hash, candidate)) {
                return () -> true;
            }
        }
        return () -> {
            try {
                authenticate(token);
                return true;
            } catch (BatonException e) {
                if (e.code() == ErrorCode.UNAUTHENTICATED) {
                    return false;
                }
                throw e;
            }
        };
    }

    /**
     * With no tokens configured and no admin token stored, the first coordinator to start generates
     * an admin and a worker token under an advisory lock; every later start finds them.
     */
    private static void generateIfNoAdmin(Db db, ApiTokens tokens) {
        db.tx(c -> {
            tokens.lockForGeneration(c);
            if (tokens.anyLiveAdmin(c)) {
                return null;
            }
            StringBuilder banner = new StringBuilder("\n\nNo tokens configured (BATON_ADMIN_TOKENS, BATON_WORKER_TOKENS, "
                    + "BATON_PRODUCER_TOKENS, BATON_VIEWER_TOKENS), so these were generated. They are shown once; only "
                    + "their hashes are kept:\n");
            for (Role role : List.of(Role.ADMIN, Role.WORKER)) {
                String token = "baton_" + role.wire() + "_" + newSecret();
                String name = ApiTokens.FIRST_START + ":" + role.wire();
                if (tokens.insertUnlessNamed(c, hash(token), name, role.wire())) {
                    banner.append(String.format("  %-6s token (%s): %s%n", role.wire(), name, token));
                }
            }
            LOG.warn(banner.toString());
            return null;
        });
    }

    /** 256 random bits, URL-safe base64 without padding (43 characters). */
    public static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
