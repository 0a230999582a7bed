/**
 * Beltway-style buffers: one shared {@link org.pipesfs.buffers.DataBuffer} (DBuf) holds each
 * frame once; each node has an {@link org.pipesfs.buffers.IndexBuffer} (IBuf) of entries that
 * point into it; {@link org.pipesfs.buffers.IndexReader}s are the open pipe files. Depends on
 * Agrona only.
 */
package org.pipesfs.buffers;
