/**
 * What the server remembers: node states and events (journal and snapshots), seed bindings, the site
 * key, cards made. Files only, written atomically. Uses {@code net}, {@code files}.
 */
package dev.metis.state;
