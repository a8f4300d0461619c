package dev.baton.coordinator.http;

import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.core.io.buffer.ByteBuffer;
import io.micronaut.core.type.Argument;
import io.micronaut.core.type.Headers;
import io.micronaut.http.MediaType;
import io.micronaut.http.body.StringBodyReader;
import io.micronaut.http.body.TypedMessageBodyReader;
import io.micronaut.http.codec.CodecException;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Every {@code @Body String} of the controllers comes through here. Micronaut's own reader
 * decodes leniently, so a byte sequence that is not UTF-8 (an overlong form, a lone
 * continuation byte, a truncated sequence, an encoded surrogate) became U+FFFD and was stored
 * as if the client had sent it. Here it is a 400 and the request goes no further.
 */
@Singleton
@Replaces(StringBodyReader.class)
public final class StrictTextBodyReader implements TypedMessageBodyReader<String> {
    @Override
    public Argument<String> getType() {
        return Argument.STRING;
    }

    @Override
    public String read(Argument<String> type, MediaType mediaType, Headers headers, ByteBuffer<?> body) {
        return decode(body.toByteArray(), charsetOf(mediaType));
    }

    @Override
    public String read(Argument<String> type, MediaType mediaType, Headers headers, InputStream body) {
        try {
            return decode(body.readAllBytes(), charsetOf(mediaType));
        } catch (IOException e) {
            throw new CodecException("cannot read the request body", e);
        }
    }

    /**
     * JSON is UTF-8 (RFC 8259 §8.1); a charset parameter naming another one is taken at its word.
     * One the JVM does not know (or whose name is malformed) is 415, not the 500 its exception was.
     */
    private static Charset charsetOf(MediaType mediaType) {
        try {
            return mediaType == null ? StandardCharsets.UTF_8 : mediaType.getCharset().orElse(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException unknownOrMalformed) {
            throw new BatonException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "unknown charset in Content-Type; send application/json (UTF-8)");
        }
    }

    static String decode(byte[] bytes, Charset charset) {
        try {
            return charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw BatonException.invalid("body", "is not valid " + charset.name() + " text");
        }
    }
}
