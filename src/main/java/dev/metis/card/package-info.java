/**
 * {@code metis plan}, {@code image} and {@code burn} ({@code CardMaker}) and the seed a card carries
 * ({@code CardSeed}, rendered by {@code identity} as the HTTP server serves it). Its sub-packages, lowest
 * first: {@code card.image}, {@code card.disk}, {@code card.device}; none of them uses this one. Uses them,
 * {@code identity}, {@code secrets}, {@code inventory} and {@code files}.
 */
package dev.metis.card;
