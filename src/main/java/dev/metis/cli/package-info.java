/**
 * One picocli command per verb: parse flags, call the services, print. Uses {@code serve} and the domain
 * packages, never {@code transport}.
 */
package dev.metis.cli;
