"""What a person makes of an image: classes, objects and parts with their masks and rules, undoable
edits, RLE, and the mask layer drawn from them.
"""
