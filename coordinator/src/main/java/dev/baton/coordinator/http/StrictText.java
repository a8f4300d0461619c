package dev.baton.coordinator.http;

import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MediaType;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Text taken exactly as sent, or refused: bytes are decoded strictly, and text PostgreSQL would
 * change (a NUL, a lone UTF-16 surrogate) is named. Micronaut decodes leniently, so an overlong
 * form, a lone continuation byte, a truncated sequence or an encoded surrogate became U+FFFD and
 * was stored as if the client had sent it.
 */
final class StrictText {
    private StrictText() {
    }

    /** {@code bytes} in the charset {@code mediaType} names (UTF-8 by default), or a 400; an unknown charset is 415. */
    static String decode(byte[] bytes, @Nullable MediaType mediaType) {
        Charset charset = charsetOf(mediaType);
        try {
            return charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw BatonException.invalid("body", "is not valid " + charset.name() + " text");
        }
    }

    /**
     * JSON is UTF-8 (RFC 8259 §8.1); a charset parameter naming another one is taken at its word.
     * One the JVM does not know (or whose name is malformed) is 415, not the 500 its exception was.
     */
    private static Charset charsetOf(@Nullable MediaType mediaType) {
        try {
            return mediaType == null ? StandardCharsets.UTF_8 : mediaType.getCharset().orElse(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException unknownOrMalformed) {
            throw new BatonException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "unknown charset in Content-Type; send application/json (UTF-8)");
        }
    }
}
