/**
 * Passage embeddings, computed once when a document is indexed (by a bi-encoder, see
 * semantic-model.ts) and kept beside the passages, so semantic search never embeds the corpus at
 * query time. Each vector is stored with the model's name and its dimensions: vectors of another
 * model are ignored by search and replaced when the document is embedded again. A vector goes
 * with its passage (a deleted or re-cut document loses its vectors with its passages).
 */

export interface PassageVector {
  passage_id: string;
  /** L2-normalised. */
  vector: Float32Array;
}

export interface PassageVectorStore {
  /**
   * Stores the vectors of `model` for those of these passages of the tenant that still exist
   * (one re-cut meanwhile is skipped), replacing any vector they had; the number stored.
   */
  write(tenantId: string, model: string, vectors: PassageVector[]): Promise<number>;
  /** The document's passages (ids, in document order) that have no vector of `model`. */
  missing(tenantId: string, documentId: string, model: string): Promise<string[]>;
  /** Ready documents (at most `limit`) with a passage that has no vector of `model`. */
  documentsMissing(
    model: string,
    limit: number,
  ): Promise<{ tenant_id: string; document_id: string }[]>;
}
