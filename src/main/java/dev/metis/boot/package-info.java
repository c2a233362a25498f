/**
 * What a booting machine may have: {@code BootPolicy} (boot-once), {@code SeedBindings} (who may have a
 * node's script, user-data and phone-home), {@code BootFiles} (decide, render, issue a token, record, for
 * every protocol). Decides without network I/O. Uses {@code served} and below.
 */
package dev.metis.boot;
