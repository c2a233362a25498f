/**
 * The inventory a running server answers from: hot reload that keeps the last good generation, the
 * identity cache, the secret source kept across reloads and its health. Uses {@code identity} and below.
 */
package dev.metis.served;
