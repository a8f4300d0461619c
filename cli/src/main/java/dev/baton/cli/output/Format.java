package dev.baton.cli.output;

/** {@code -o}: aligned tables for people, one JSON document, or one JSON value per line. */
public enum Format {
    TABLE, JSON, JSONL
}
