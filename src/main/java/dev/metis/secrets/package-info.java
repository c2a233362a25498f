/**
 * Where node secrets come from (a file or Vault) and how they are kept out of logs ({@code LeakGuard}).
 * Uses {@code inventory}, {@code net}, {@code files}.
 */
package dev.metis.secrets;
