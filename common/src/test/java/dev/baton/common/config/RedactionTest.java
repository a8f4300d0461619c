package dev.baton.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class RedactionTest {
    @Test
    void passwordsInRedisAndJdbcUrlsAreHidden() {
        assertEquals("redis://***@cache:6379/0", Redaction.url("redis://:secret@cache:6379/0"));
        assertEquals("jdbc:postgresql://***@db:5432/baton", Redaction.url("jdbc:postgresql://baton:secret@db:5432/baton"));
        assertEquals("jdbc:postgresql://db/baton?user=baton&password=***&ssl=true",
                Redaction.url("jdbc:postgresql://db/baton?user=baton&password=secret&ssl=true"));
        assertEquals("jdbc:postgresql://db/baton?sslPassword=***", Redaction.url("jdbc:postgresql://db/baton?sslPassword=s"));
    }

    @Test
    void aUrlWithoutSecretsIsUnchanged() {
        assertEquals("redis://cache:6379/0", Redaction.url("redis://cache:6379/0"));
        assertEquals("jdbc:postgresql://db/baton?user=baton", Redaction.url("jdbc:postgresql://db/baton?user=baton"));
        assertNull(Redaction.url(null));
    }

    @Test
    void anAddressIsWhereTheUrlPointsWithoutUserPasswordOrParameters() {
        assertEquals("jdbc:postgresql://db:5432/baton",
                Redaction.address("jdbc:postgresql://db:5432/baton?user=u&password=secret&sslmode=verify-full"));
        assertEquals("jdbc:postgresql://db1:5432,db2:5432/baton",
                Redaction.address("jdbc:postgresql://db1:5432,db2:5432/baton?password=secret"));
        assertEquals("rediss://cache:6380/0", Redaction.address("rediss://user:secret@cache:6380/0"));
        assertEquals("redis://cache:6379/0", Redaction.address("redis://:p@ss@cache:6379/0#x"));
        assertEquals("redis://cache:6379", Redaction.address("redis://cache:6379"));
        assertNull(Redaction.address(null));
    }
}
