package dev.baton.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.junit.jupiter.api.Test;

class JsonTest {
    private static final String ANSWER = """
            {"version": 7, "addedByANewerCoordinator": {"x": 1}}""";

    @Test
    void requestsRefuseAFieldTheyDoNotKnow() {
        assertThrows(JsonProcessingException.class, () -> Json.mapper().readValue(ANSWER, Responses.VersionAnswer.class));
    }

    @Test
    void answersSkipAFieldTheyDoNotKnowAndStayStrictOtherwise() throws Exception {
        Responses.VersionAnswer read = Json.answers().forType(Responses.VersionAnswer.class).readValue(ANSWER);
        assertEquals(7, read.version());
        assertThrows(JsonProcessingException.class, () -> Json.answers().forType(Responses.VersionAnswer.class)
                .readValue("{\"version\": \"7\"}"));
        assertThrows(JsonProcessingException.class, () -> Json.answers().forType(Responses.VersionAnswer.class)
                .readValue("{\"version\": 7, \"version\": 8}"));
    }
}
