-- Revision 019 down: the record of sent expiry warnings goes (the notifications stay); a
-- later upgrade would warn once more for documents still expiring.

-- tracehub:step transaction: drop document_expiry_warnings
DROP TABLE IF EXISTS document_expiry_warnings;
