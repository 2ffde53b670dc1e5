"""The petition domain (tiếp công dân, xử lý đơn thư) built on the workflow kernel in engine/."""
