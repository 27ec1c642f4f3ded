-- What dropping revision 018 would destroy: where TraceHub stored each uploaded file.
-- Valid at revision 018 only (the column exists from it on).
SELECT 'documents stored by TraceHub (storage keys)' AS what, count(*) AS lost
  FROM documents WHERE storage_key IS NOT NULL
