/**
 * {@code metis plan}, {@code image} and {@code burn} ({@link CardMaker}), and the seed a card carries
 * ({@link CardSeed}: the node's files as {@code dev.metis.identity} renders them for the HTTP server too). Built
 * on its sub-packages, lowest first: {@code image} (golden images, and what all of them share), {@code disk}
 * (what lies inside an image) and {@code device} (the target and the writing), none of which uses this package.
 */
package dev.metis.card;
