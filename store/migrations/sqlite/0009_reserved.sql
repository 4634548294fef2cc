-- Placeholder: number 0009 is reserved for another change (issue 19) that
-- had not landed when 0010 was written; migrations must run without gaps.
-- When that change brings its own 0009, this file goes.
SELECT 1;
