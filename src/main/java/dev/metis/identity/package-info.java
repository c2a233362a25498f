/**
 * Renders every byte a node receives (seed files, k3s config, iPXE script, a Pi's cmdline.txt) from a
 * merged node and its secrets, and every URL Metis hands out ({@code ServerUrls}). Pure; card, network and
 * disk all call it. Uses {@code inventory}, {@code secrets}, {@code net}, {@code files}.
 */
package dev.metis.identity;
